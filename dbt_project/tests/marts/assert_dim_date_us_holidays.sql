-- dim_date names known US holidays correctly (checked on the dates the spine covers).
with

dates as (
    select * from {{ ref('dim_date') }}
),

expected (date_day, holiday_name) as (
    values
    (date '2023-11-23', 'Thanksgiving Day'),
    (date '2023-11-24', 'Black Friday'),
    (date '2023-11-27', 'Cyber Monday'),
    (date '2024-01-15', 'Martin Luther King Jr. Day'),
    (date '2024-05-27', 'Memorial Day'),
    (date '2024-11-28', 'Thanksgiving Day'),
    (date '2024-11-29', 'Black Friday'),
    (date '2024-12-02', 'Cyber Monday'),
    (date '2025-09-01', 'Labor Day'),
    (date '2025-11-27', 'Thanksgiving Day'),
    (date '2025-11-28', 'Black Friday'),
    (date '2025-12-01', 'Cyber Monday'),
    (date '2025-12-25', 'Christmas Day')
)

select
    expected.date_day,
    expected.holiday_name as expected_holiday_name,
    dates.holiday_name
from expected
inner join dates
    on expected.date_day = dates.date_day
where dates.holiday_name is distinct from expected.holiday_name
