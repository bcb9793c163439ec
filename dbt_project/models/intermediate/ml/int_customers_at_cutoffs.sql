{{ config(materialized='table', indexes=[{'columns': ['cutoff_date', 'customer_id'], 'unique': true}]) }}
-- A table, not a view: both ML marts and three tests read it, and the planner needs its real
-- size (as a view it is estimated at ~100 rows instead of customers x cutoffs).
-- For every ML cutoff, every customer signed up by then with the profile version in force at
-- the cutoff (never a later one): the population of the ML marts, free of look-ahead.
with

cutoffs as (
    select * from {{ ref('int_ml_cutoffs_selected') }}
),

customer_versions as (
    select * from {{ ref('int_customers_versioned') }}
),

geographies as (
    select * from {{ ref('stg_shop__geographies') }}
),

versions_at_cutoff as (
    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_at,
        customer_versions.*,
        row_number() over (
            partition by cutoffs.cutoff_date, customer_versions.customer_id
            order by customer_versions.version_number desc
        ) as recency_rank
    from cutoffs
    inner join customer_versions
        on
            cutoffs.cutoff_at > customer_versions.signed_up_at
            and (
                cutoffs.cutoff_at > customer_versions.valid_from
                or customer_versions.version_number = 1
            )
),

final as (
    select
        versions_at_cutoff.cutoff_date,
        versions_at_cutoff.cutoff_at,
        versions_at_cutoff.customer_id,
        versions_at_cutoff.version_number,
        versions_at_cutoff.gender,
        versions_at_cutoff.age_band_at_signup,
        versions_at_cutoff.acquisition_channel,
        versions_at_cutoff.loyalty_tier,
        versions_at_cutoff.is_marketing_opt_in,
        geographies.region,
        versions_at_cutoff.signed_up_at
    from versions_at_cutoff
    left join geographies
        on versions_at_cutoff.geography_id = geographies.geography_id
    where versions_at_cutoff.recency_rank = 1
)

select * from final
