-- One row per session with its product events counted. loaded_at is the latest load of the
-- session or any of its events, so an incremental consumer re-processes a session whose events
-- arrive in a later batch.
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['session_id'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- A table, incremental: a run recounts every session loaded, or with an event loaded, after
-- the watermark (delete+insert on session_id).
with

{% if is_incremental() %}
touched_sessions as (
    select new_sessions.session_id
    from {{ ref('stg_shop__web_sessions') }} as new_sessions
    where new_sessions.loaded_at > {{ loaded_at_watermark() }}
    union
    select new_events.session_id
    from {{ ref('stg_shop__web_events') }} as new_events
    where new_events.loaded_at > {{ loaded_at_watermark() }}
),
{% endif %}

sessions as (
    select * from {{ ref('stg_shop__web_sessions') }}
    {% if is_incremental() %}
        where session_id in (select touched_sessions.session_id from touched_sessions)
    {% endif %}
),

events as (
    select * from {{ ref('stg_shop__web_events') }}
    {% if is_incremental() %}
        where session_id in (select touched_sessions.session_id from touched_sessions)
    {% endif %}
),

events_per_session as (
    select
        session_id,
        count(*) filter (where event_type = 'product_view') as product_view_count,
        count(*) filter (where event_type = 'add_to_cart') as add_to_cart_count,
        count(distinct product_id) as distinct_product_count,
        max(loaded_at) as events_loaded_at
    from events
    group by session_id
),

final as (
    select
        sessions.session_id,
        sessions.customer_id,
        sessions.order_id,
        sessions.device,
        sessions.traffic_source,
        sessions.page_view_count,
        coalesce(events_per_session.product_view_count, 0) as product_view_count,
        coalesce(events_per_session.add_to_cart_count, 0) as add_to_cart_count,
        coalesce(events_per_session.distinct_product_count, 0) as distinct_product_count,
        sessions.order_id is not null as is_converted,
        extract(epoch from sessions.ended_at - sessions.started_at) as duration_seconds,
        sessions.started_date,
        sessions.started_at,
        sessions.ended_at,
        greatest(sessions.loaded_at, events_per_session.events_loaded_at) as loaded_at
    from sessions
    left join events_per_session
        on sessions.session_id = events_per_session.session_id
)

select * from final
