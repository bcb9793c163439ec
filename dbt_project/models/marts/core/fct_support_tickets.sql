{{
    config(
        materialized='incremental',
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['ticket_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: support tickets never change once loaded, so a run adds the rows loaded
-- after the newest load already in the table.
with

tickets as (
    select * from {{ ref('stg_shop__support_tickets') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

final as (
    select
        {{ surrogate_key(['ticket_id']) }} as ticket_key,
        ticket_id,
        {{ surrogate_key(['customer_id']) }} as customer_key,
        case
            when order_id is not null then {{ surrogate_key(['order_id']) }}
        end as order_key,
        {{ date_key('opened_date') }} as date_key,
        {{ date_key('resolved_date') }} as resolved_date_key,
        customer_id,
        order_id,
        ticket_channel,
        ticket_category,
        ticket_priority,
        ticket_status,
        satisfaction_score,
        resolved_at is not null as is_resolved,
        cast(extract(epoch from resolved_at - opened_at) / 3600.0 as numeric(12, 2)) as hours_to_resolve,
        opened_date,
        opened_at,
        resolved_date,
        resolved_at,
        loaded_at
    from tickets
)

select * from final
