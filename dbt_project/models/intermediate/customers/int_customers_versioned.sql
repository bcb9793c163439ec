-- Every version of every customer with its validity window [valid_from, valid_to), derived from
-- the full raw history (deterministic, unlike a snapshot that only sees what each run saw).
-- The first version is valid from signup even when its row was stamped later. No direct PII.
with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

ordered as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by updated_at, loaded_at
        ) as version_number,
        lead(updated_at) over (
            partition by customer_id
            order by updated_at, loaded_at
        ) as next_updated_at
    from customers
),

final as (
    select
        {{ surrogate_key(['customer_id', 'version_number']) }} as customer_version_key,
        customer_id,
        version_number,
        geography_id,
        {{ hash_pii('email') }} as email_hash,
        gender,
        {{ age_band('birth_date', 'signed_up_date') }} as age_band_at_signup,
        acquisition_channel,
        loyalty_tier,
        is_marketing_opt_in,
        signed_up_at,
        updated_at,
        case
            when version_number = 1 then least(signed_up_at, updated_at)
            else updated_at
        end as valid_from,
        next_updated_at as valid_to,
        next_updated_at is null as is_current
    from ordered
)

select * from final
