with

source as (
    select * from {{ source('shop', 'campaign_exposures') }}
),

renamed as (
    select
        ---------- ids
        cast(exposure_id as bigint) as exposure_id,
        cast(campaign_id as bigint) as campaign_id,
        cast(customer_id as bigint) as customer_id,
        ---------- booleans
        cast(is_opened as boolean) as is_opened,
        cast(is_clicked as boolean) as is_clicked,
        ---------- dates
        {{ utc_date('exposed_at') }} as exposed_date,
        ---------- timestamps
        cast(exposed_at as timestamptz) as exposed_at,
        cast(redeemed_at as timestamptz) as redeemed_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
