with

source as (
    select * from {{ source('shop', 'customers') }}
),

renamed as (
    select
        ---------- ids
        cast(customer_id as bigint) as customer_id,
        cast(geography_id as bigint) as geography_id,
        ---------- strings
        cast(first_name as text) as first_name,
        cast(last_name as text) as last_name,
        cast(email as text) as email,
        cast(phone as text) as phone,
        cast(street_address as text) as street_address,
        cast(gender as text) as gender,
        cast(acquisition_channel as text) as acquisition_channel,
        cast(loyalty_tier as text) as loyalty_tier,
        cast(age_band as text) as age_band,
        cast(income_band as text) as income_band,
        cast(household_composition as text) as household_composition,
        ---------- numerics
        cast(household_size as bigint) as household_size,
        ---------- booleans
        cast(is_marketing_opt_in as boolean) as is_marketing_opt_in,
        ---------- dates
        cast(birth_date as date) as birth_date,
        {{ utc_date('signed_up_at') }} as signed_up_date,
        ---------- timestamps
        cast(signed_up_at as timestamptz) as signed_up_at,
        -- optional: a customer without versions is valid from signup
        cast(coalesce(updated_at, signed_up_at) as timestamptz) as updated_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
