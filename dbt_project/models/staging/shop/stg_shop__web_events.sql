with

source as (
    select * from {{ source('shop', 'web_events') }}
),

renamed as (
    select
        ---------- ids
        cast(event_id as bigint) as event_id,
        cast(session_id as bigint) as session_id,
        cast(customer_id as bigint) as customer_id,
        cast(product_id as bigint) as product_id,
        ---------- strings
        cast(event_type as text) as event_type,
        ---------- dates
        {{ utc_date('occurred_at') }} as occurred_date,
        ---------- timestamps
        cast(occurred_at as timestamptz) as occurred_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
