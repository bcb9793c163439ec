{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['session_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Incremental on load time: a run (re)processes every session loaded, or with events loaded,
-- after the newest load already in the table; delete+insert on session_id replaces a session
-- whose late events arrived in a later batch.
with

sessions as (
    select * from {{ ref('int_web_sessions_joined_to_events') }}
    {% if is_incremental() %}
        where loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

final as (
    select
        {{ surrogate_key(['session_id']) }} as session_key,
        session_id,
        case
            when customer_id is not null then {{ surrogate_key(['customer_id']) }}
        end as customer_key,
        case
            when order_id is not null then {{ surrogate_key(['order_id']) }}
        end as order_key,
        {{ date_key('started_date') }} as date_key,
        customer_id,
        order_id,
        device,
        traffic_source,
        customer_id is not null as is_logged_in,
        is_converted,
        page_view_count,
        product_view_count,
        add_to_cart_count,
        distinct_product_count,
        cast(duration_seconds as integer) as duration_seconds,
        started_date,
        started_at,
        ended_at,
        loaded_at
    from sessions
)

select * from final
