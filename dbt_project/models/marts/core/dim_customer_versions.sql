-- SCD type 2 in business time: one row per customer version with its validity window
-- [valid_from, valid_to) from the customers' own updated_at stamps over the whole raw history
-- (deterministic, unlike the snapshot-based dim_customers_history, which dates versions by when
-- a snapshot run saw them). The tier "at order time" of the finance marts is this table's.
with

customer_versions as (
    select * from {{ ref('int_customers_versioned') }}
),

final as (
    select
        customer_version_key,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        version_number,
        {{ surrogate_key(['geography_id']) }} as geography_key,
        loyalty_tier,
        is_marketing_opt_in,
        valid_from,
        valid_to,
        is_current
    from customer_versions
)

select * from final
