-- Which contract source tables hold data: one row per table of contracts/raw_tables.py, with its
-- row count, the batches its rows came from and the span of its event times. The app, the API
-- and the docs read this to say plainly which optional data a shop delivered (an optional table
-- a source left out is empty in raw, and so here: has_rows is false).
-- The list below must name every contract table (tests/dbt/test_minimal_shop.py checks it against the contract):
-- (table, staging model, event-time column of the staging model or none, required).
{%- set source_tables = [
    ('geography', 'stg_shop__geographies', none, false),
    ('categories', 'stg_shop__categories', none, false),
    ('brands', 'stg_shop__brands', none, false),
    ('stores', 'stg_shop__stores', none, false),
    ('products', 'stg_shop__products', 'updated_at', true),
    ('customers', 'stg_shop__customers', 'updated_at', true),
    ('campaigns', 'stg_shop__campaigns', none, false),
    ('orders', 'stg_shop__orders', 'ordered_at', true),
    ('order_items', 'stg_shop__order_items', none, true),
    ('payments', 'stg_shop__payments', 'paid_at', false),
    ('shipments', 'stg_shop__shipments', 'shipped_at', false),
    ('returns', 'stg_shop__returns', 'returned_at', false),
    ('reviews', 'stg_shop__reviews', 'reviewed_at', false),
    ('web_sessions', 'stg_shop__web_sessions', 'started_at', false),
    ('web_events', 'stg_shop__web_events', 'occurred_at', false),
    ('campaign_exposures', 'stg_shop__campaign_exposures', 'exposed_at', false),
    ('support_tickets', 'stg_shop__support_tickets', 'opened_at', false),
] %}

with

-- One counting select per table, unioned in one CTE (a deliberate exception to one import CTE
-- per ref: seventeen identical import CTEs would hide the one thing this model does).
counted as (
    {% for name, model, event_time, required in source_tables %}
        select
            cast('{{ name }}' as text) as source_table,
            {{ 'true' if required else 'false' }} as is_required,
            count(*) as row_count,
            count(distinct batch_id) as batch_count,
            {% if event_time %}
                min({{ event_time }}) as first_event_at,
                max({{ event_time }}) as last_event_at,
            {% else %}
                cast(null as timestamptz) as first_event_at,
                cast(null as timestamptz) as last_event_at,
            {% endif %}
            max(loaded_at) as last_loaded_at
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_table,
        is_required,
        row_count > 0 as has_rows,
        cast(row_count as bigint) as row_count,
        cast(batch_count as bigint) as batch_count,
        first_event_at,
        last_event_at,
        last_loaded_at
    from counted
)

select * from final
