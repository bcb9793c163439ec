{{
    config(
        materialized='incremental',
        unique_key=['customer_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['customer_id', 'activity_date'], 'unique': true},
            {'columns': ['activity_date']},
            {'columns': ['loaded_at']},
        ],
    )
}}
-- Logged-in web activity per customer and day: sessions started (and of them converted: an order
-- placed in the session, known when the session is loaded), product views and add-to-carts
-- (each event on its own date). Feeds the windowed web features of ml_customer_features at a
-- fraction of the event table's size. Incremental: counts add up, so a run counts only sessions
-- and events loaded after the watermark and adds them to the day's existing row.
with

sessions as (
    select * from {{ ref('stg_shop__web_sessions') }}
    where
        customer_id is not null
    {% if is_incremental() %}
        and loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

events as (
    select * from {{ ref('stg_shop__web_events') }}
    where
        customer_id is not null
    {% if is_incremental() %}
        and loaded_at > {{ loaded_at_watermark() }}
    {% endif %}
),

activity as (
    select
        customer_id,
        started_date as activity_date,
        1 as session_count,
        case when order_id is not null then 1 else 0 end as converted_session_count,
        0 as product_view_count,
        0 as add_to_cart_count,
        loaded_at
    from sessions
    union all
    select
        customer_id,
        occurred_date as activity_date,
        0 as session_count,
        0 as converted_session_count,
        case when event_type = 'product_view' then 1 else 0 end as product_view_count,
        case when event_type = 'add_to_cart' then 1 else 0 end as add_to_cart_count,
        loaded_at
    from events
),

counted as (
    select
        customer_id,
        activity_date,
        sum(session_count) as session_count,
        sum(converted_session_count) as converted_session_count,
        sum(product_view_count) as product_view_count,
        sum(add_to_cart_count) as add_to_cart_count,
        max(loaded_at) as loaded_at
    from activity
    group by customer_id, activity_date
),

merged as (
    {% if is_incremental() %}
    select
        counted.customer_id,
        counted.activity_date,
        counted.session_count + coalesce(previous.session_count, 0) as session_count,
        counted.converted_session_count + coalesce(previous.converted_session_count, 0)
        as converted_session_count,
        counted.product_view_count + coalesce(previous.product_view_count, 0) as product_view_count,
        counted.add_to_cart_count + coalesce(previous.add_to_cart_count, 0) as add_to_cart_count,
        greatest(counted.loaded_at, previous.loaded_at) as loaded_at
    from counted
    left join {{ this }} as previous
        on
            counted.customer_id = previous.customer_id
            and counted.activity_date = previous.activity_date
    {% else %}
        select * from counted
    {% endif %}
),

final as (
    select
        customer_id,
        activity_date,
        cast(session_count as bigint) as session_count,
        cast(converted_session_count as bigint) as converted_session_count,
        cast(product_view_count as bigint) as product_view_count,
        cast(add_to_cart_count as bigint) as add_to_cart_count,
        loaded_at
    from merged
)

select * from final
