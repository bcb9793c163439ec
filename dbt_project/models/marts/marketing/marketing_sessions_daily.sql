{{
    config(
        materialized='incremental',
        unique_key='started_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['started_date'], 'unique': true}, {'columns': ['loaded_at']}],
    )
}}
-- Web sessions and converted sessions (an order placed in the session) per session start date,
-- for the BI app's Overview conversion rate without a scan of every session. Incremental: the
-- start dates of sessions loaded (or restated with late events) after the newest loaded_at here
-- are deleted and recounted whole; a session keeps its start date, so no other date changes.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

{% if is_incremental() %}
    {%- set dates_query -%}
        select distinct sessions.started_date
        from {{ ref('fct_sessions') }} as sessions
        where sessions.loaded_at > (
            select coalesce(max(loaded.loaded_at), '-infinity') as max_loaded_at from {{ this }} as loaded
        )
        order by sessions.started_date
    {%- endset -%}
    {%- set refresh_dates = run_query(dates_query).columns[0].values() | map('string') | list if execute else [] -%}
{% endif %}

final as (
    select
        started_date,
        {{ date_key('started_date') }} as date_key,
        count(*) as session_count,
        count(*) filter (where is_converted) as converted_session_count,
        max(loaded_at) as loaded_at
    from sessions
    {% if is_incremental() %}
        -- the dates as literals (see sales_order_dates_to_refresh): a subquery hides how few they are
        where {{ date_in('started_date', refresh_dates) }}
    {% endif %}
    group by started_date
)

select * from final
