"""One module per discrepancy, D1–D29 of docs/discrepancies.md: D1–D19 as stated there (D11 was withdrawn), the new
ones this audit found (D20–D23) and defects of the paper's own text (D24–D29).

Each module registers its verdict function with `checks.audit.registry.discrepancy`, the entry's static text beside
it, and where a measured `confirmed` needs one, its negative control. `shared` holds what several entries read.
Importing this package registers every entry; `checks.audit`'s `__init__` does, so `checks.audit.REGISTRY` is
always complete.
"""

from . import (  # noqa: F401 - each module registers its entry on import, in this order
    d01_v1_blind_to_collapse,
    d02_listing_not_runnable,
    d03_window_width,
    d04_vector_return,
    d05_factor_n,
    d06_gradient_bound,
    d07_minibatch_bias,
    d08_grids_and_folding,
    d09_prediction_mean_or_sum,
    d10_number_of_views,
    d12_vith_79,
    d13_r0_r1_same_name,
    d14_official_tests,
    d15_readme_num_points,
    d16_view_pooling,
    d17_lambda_form,
    d18_ddp_exactness,
    d19_global_step,
    d20_grid_aliasing,
    d21_r0_views_axis,
    d22_ddp_unequal_batches,
    d23_dtypes,
    d24_fig17_caption,
    d25_fig18_reference,
    d26_theorem1_remainder,
    d27_model_scale,
    d28_slices_default,
    d29_algorithm2_ambiguous,
)
