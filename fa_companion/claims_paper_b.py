"""Paper B's claims, as rows of :data:`fa_companion.claims.CLAIMS`:
``(id, paper, figure, statement, check, chapter)``; chapter by chapter, in the papers' order."""

CH07, CH09, CH11, CH12 = ("07_initial_alignment", "09_soft_alignment", "11_corruption_robustness",
                          "12_adversarial_robustness")
CH08, CH10, CH13 = "08_trainability", "10_loss_landscape", "13_architectures_and_datasets"

ROWS = (
    # ---- chapter 08: trainability (Paper B Fig 3, S5-S7) ----
    ("B-fig3a-trainable-region", "B", "Fig 3a/S5",
     "IFA trains over a wider region of the (a, b) init-scale grid than FA",
     "share of grid points whose maximum training accuracy reaches 80%: IFA's above FA's", CH08),
    ("B-fig3a-ifa-nearly-everywhere", "B", "Fig 3a/S5",
     "IFA is at least as good as FA in nearly all regions of the grid",
     "FA's maximum training accuracy above IFA's by > 1 point at ≤ 5% of the grid points "
     "(partly: at more)", CH08),
    ("B-fig3b-depth", "B", "Fig 3b/S6",
     "FA's accuracy falls with depth while IFA stays close to BP",
     "BP − FA test-accuracy gap larger at the deepest than at the shallowest network, and "
     "BP − IFA gap below min(5 points, the deepest FA gap) at every depth (partly: FA falls "
     "but IFA is not that close)", CH08),
    ("B-figS6-miscalibration", "B", "Fig S6",
     "in deep FA networks the test loss grows while the accuracy still rises",
     "deepest FA networks: mean final test loss above its minimum over epochs, and final test "
     "accuracy above epoch 1's", CH08),
    ("B-fig3c-data-size", "B", "Fig 3c/S7",
     "IFA lies above FA at every training-set size",
     "mean final test accuracy IFA > FA at every size (partly: at some)", CH08),
    # ---- chapter 10: loss landscapes (Paper B Fig 2, 5, S10) ----
    ("B-fig2bd-trajectory", "B", "Fig 2b-d",
     "FA's trajectory is longer and less direct than BP's and IFA's",
     "every FA network's path Σ‖Δθ‖ above every BP and IFA network's, and its directness "
     "‖θ₀ − θ_final‖ / path below all of theirs (partly: one of the two)", CH10),
    ("B-fig2fk-fa-sharper", "B", "Fig 2f-k",
     "FA's Hessian trace and top eigenvalue are higher than BP's throughout training",
     "FA's mean above BP's at ≥ 80% of the recorded epochs after initialization, for trace and "
     "for λ_max (partly: for one)", CH10),
    ("B-fig2fk-ifa-like-bp", "B", "Fig 2f-k",
     "IFA's trace and top eigenvalue stay low, like BP's",
     "IFA closer to BP than FA (log ratio) at ≥ 80% of the epochs and within a factor 1.25 of "
     "BP at ≥ 80% of them, for trace and λ_max (partly: closer only)", CH10),
    ("B-fig5a-landscape", "B", "Fig 5a/S10",
     "FA's landscape along the top-2 eigenvectors is sharper than BP's and IFA's, and smoother "
     "with more alignment",
     "mean rise of the test loss over the grid: FA above BP and IFA 0°, and Spearman "
     "ρ(θ_init, rise) > 0 with p < 0.05 (partly: the first only)", CH10),
    ("B-fig5b-spectrum", "B", "Fig 5b/S10",
     "FA's Hessian spectrum is shifted up and broader; alignment compresses it to BP's",
     "SLQ spread and right edge: FA above BP and IFA 0°, and IFA 0°'s spread within a factor "
     "1.25 of BP's (partly: FA above BP in one of them)", CH10),
    ("B-fig5c-trace-falls", "B", "Fig 5c", "the Hessian trace falls as alignment gets stronger",
     "Spearman ρ(θ_init, trace) > 0 with p < 0.05 over all analysed networks", CH10),
    ("B-fig5c-trace-plateau", "B", "Fig 5c", "… and plateaus beyond a moderate alignment",
     "falls, and the change over the strongly aligned half of the θ_init sweep is smaller "
     "than over the weakly aligned half", CH10),
    ("B-fig5d-lambda-falls", "B", "Fig 5d", "the top eigenvalue falls as alignment gets stronger",
     "Spearman ρ(θ_init, λ_max) > 0 with p < 0.05 over all analysed networks", CH10),
    ("B-fig5d-lambda-plateau", "B", "Fig 5d", "… and plateaus beyond a moderate alignment",
     "falls, and the change over the strongly aligned half of the θ_init sweep is smaller "
     "than over the weakly aligned half", CH10),
    # ---- chapter 13: architectures and datasets (Paper B Tables S1-S2, Figs S3-S4) ----
    ("B-tableS2-order", "B", "Table S2/Fig S4",
     "the MLP ranks FA < IFA 60° < IFA 30° < IFA 0° on every dataset",
     "mean best test accuracy non-decreasing along FA, IFA 60°, 30°, 0° (0.05-point slack) on "
     "every dataset run (partly: on some)", CH13),
    ("B-tableS2-ifa-near-bp", "B", "Table S2/Fig S4",
     "IFA 0° is far above FA and within about a point of BP on every dataset",
     "IFA 0° − FA > SD(IFA 0°) + SD(FA) and BP − IFA 0° < 1 point on every dataset run "
     "(partly: on some)", CH13),
    ("B-tableS1-ifa-above-fa", "B", "Table S1/Fig S3",
     "in both CNNs IFA is far above FA",
     "IFA 0° − FA > SD(IFA 0°) + SD(FA) for every CNN run (partly: for some)", CH13),
    ("B-tableS1-bp-above-ifa", "B", "Table S1/Fig S3",
     "in both CNNs BP stays above IFA (the gap shrinks, it does not close)",
     "mean BP > mean IFA 0° for every CNN run (partly: for some)", CH13),
)
