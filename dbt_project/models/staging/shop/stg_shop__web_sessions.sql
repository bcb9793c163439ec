with

source as (
    select * from {{ source('shop', 'web_sessions') }}
),

renamed as (
    select
        ---------- ids
        cast(session_id as bigint) as session_id,
        cast(customer_id as bigint) as customer_id,
        cast(order_id as bigint) as order_id,
        ---------- strings
        cast(device as text) as device,
        cast(traffic_source as text) as traffic_source,
        ---------- numerics
        cast(page_views as bigint) as page_view_count,
        ---------- dates
        {{ utc_date('started_at') }} as started_date,
        ---------- timestamps
        cast(started_at as timestamptz) as started_at,
        cast(ended_at as timestamptz) as ended_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
