-- marketing_sessions_daily counts every session of fct_sessions once, on its start date, and its
-- converted sessions. Returns the dates that differ or exist on one side only.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

sessions_daily as (
    select * from {{ ref('marketing_sessions_daily') }}
),

expected as (
    select
        started_date,
        count(*) as session_count,
        count(*) filter (where is_converted) as converted_session_count
    from sessions
    group by started_date
)

select
    coalesce(expected.started_date, sessions_daily.started_date) as started_date,
    expected.session_count as expected_sessions,
    sessions_daily.session_count as mart_sessions,
    expected.converted_session_count as expected_converted,
    sessions_daily.converted_session_count as mart_converted
from expected
full outer join sessions_daily
    on expected.started_date = sessions_daily.started_date
where
    expected.session_count is distinct from sessions_daily.session_count
    or expected.converted_session_count is distinct from sessions_daily.converted_session_count
