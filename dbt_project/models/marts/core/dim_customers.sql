with

customers as (
    select * from {{ ref('int_customers_deduplicated') }}
),

final as (
    select
        {{ surrogate_key(['customer_id']) }} as customer_key,
        customer_id,
        email_hash,
        {{ surrogate_key(['geography_id']) }} as geography_key,
        gender,
        age_band_at_signup,
        acquisition_channel,
        loyalty_tier,
        is_marketing_opt_in,
        signed_up_date,
        {{ date_key('signed_up_date') }} as signed_up_date_key,
        signed_up_at,
        updated_at,
        version_count
    from customers
)

select * from final
