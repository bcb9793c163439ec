-- SCD type 2 from the customers snapshot: one row per customer version as the snapshot saw it.
with

snapshot_rows as (
    select * from {{ ref('customers_snapshot') }}
),

final as (
    select
        {{ surrogate_key(['customer_id', 'dbt_valid_from']) }} as customer_history_key,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        email_hash,
        {{ surrogate_key(['geography_id']) }} as geography_key,
        gender,
        age_band_at_signup,
        acquisition_channel,
        loyalty_tier,
        is_marketing_opt_in,
        signed_up_at,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current
    from snapshot_rows
)

select * from final
