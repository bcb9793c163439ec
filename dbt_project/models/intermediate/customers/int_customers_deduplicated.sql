-- One row per customer: the newest version (latest updated_at; ties broken by the later load).
-- Direct PII stays behind: the email survives only as a salted hash, the birth date only as the
-- age band at signup.
with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

versioned as (
    select
        *,
        count(*) over (partition by customer_id) as version_count,
        min(loaded_at) over (partition by customer_id) as first_loaded_at
    from customers
),

-- distinct on, not row_number() = 1: PostgreSQL then estimates one row per customer, where a
-- filter on a window's output is guessed at 0.5% and joins downstream get nested loops
latest as (
    select distinct on (customer_id) *
    from versioned
    order by customer_id asc, updated_at desc, loaded_at desc
),

final as (
    select
        customer_id,
        geography_id,
        {{ hash_pii('email') }} as email_hash,
        gender,
        {{ age_band('birth_date', 'signed_up_date') }} as age_band_at_signup,
        acquisition_channel,
        loyalty_tier,
        is_marketing_opt_in,
        signed_up_date,
        signed_up_at,
        updated_at,
        version_count,
        first_loaded_at,
        loaded_at
    from latest
)

select * from final
