-- The cutoff dates the ML marts were built for and the role of each (train, evaluation,
-- scoring; see int_ml_cutoffs_selected for how they are chosen); join on cutoff_date.
with

cutoffs as (
    select * from {{ ref('int_ml_cutoffs_selected') }}
),

final as (
    select
        cutoff_date,
        cutoff_at,
        churn_horizon_days,
        horizon_end_date,
        data_end_date,
        is_label_observable,
        cutoff_role
    from cutoffs
)

select * from final
