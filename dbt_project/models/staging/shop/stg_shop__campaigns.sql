with

source as (
    select * from {{ source('shop', 'campaigns') }}
),

renamed as (
    select
        ---------- ids
        cast(campaign_id as bigint) as campaign_id,
        ---------- strings
        cast(campaign_name as text) as campaign_name,
        cast(campaign_type as text) as campaign_type,
        cast(channel as text) as marketing_channel,
        ---------- numerics
        cast(discount_pct as double precision) as discount_percent,
        cast(budget as numeric(14, 2)) as budget_amount,
        ---------- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
