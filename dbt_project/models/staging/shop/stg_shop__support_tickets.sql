with

source as (
    select * from {{ source('shop', 'support_tickets') }}
),

renamed as (
    select
        ---------- ids
        cast(ticket_id as bigint) as ticket_id,
        cast(customer_id as bigint) as customer_id,
        cast(order_id as bigint) as order_id,
        ---------- strings
        cast(channel as text) as ticket_channel,
        cast(category as text) as ticket_category,
        cast(priority as text) as ticket_priority,
        cast(status as text) as ticket_status,
        ---------- numerics
        cast(satisfaction_score as bigint) as satisfaction_score,
        ---------- dates
        {{ utc_date('opened_at') }} as opened_date,
        {{ utc_date('resolved_at') }} as resolved_date,
        ---------- timestamps
        cast(opened_at as timestamptz) as opened_at,
        cast(resolved_at as timestamptz) as resolved_at,
        ---------- load metadata
        _batch_id as batch_id,
        _loaded_at as loaded_at,
        _source_file as source_file
    from source
)

select * from renamed
