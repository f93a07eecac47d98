-- clean.loans has exactly one row per distinct loan of the raw origination files (Freddie
-- origination, Fannie acquisition and Fannie current rows; quarantined rows never reach raw), and
-- clean.loan_months one row per raw monthly row. Returns the agencies where a count differs.
with raw_loans as (
    select 'freddie' as agency, count(distinct loan_sequence_number) as n
    from {{ source('raw', 'freddie_orig') }}
    union all
    select 'fannie', count(distinct loan_id)
    from (
        select loan_id from {{ source('raw', 'fannie_acq') }}
        union
        select loan_id from {{ source('raw', 'fannie_current') }}
    ) as f
),
raw_months as (
    select 'freddie' as agency, count(*) as n from {{ source('raw', 'freddie_perf') }}
    union all
    select 'fannie', (select count(*) from {{ source('raw', 'fannie_perf') }}) + (select count(*) from {{ source('raw', 'fannie_current') }})
),
clean_loans as (
    select agency, count(*) as n from {{ ref('loans') }} group by agency
),
clean_months as (
    select agency, count(*) as n from {{ ref('loan_months') }} group by agency
)
select
    a.agency,
    coalesce(rl.n, 0) as raw_distinct_loans,
    coalesce(cl.n, 0) as clean_loans,
    coalesce(rm.n, 0) as raw_monthly_rows,
    coalesce(cm.n, 0) as clean_loan_months
from (values ('fannie'), ('freddie')) as a (agency)
left join raw_loans as rl on rl.agency = a.agency
left join clean_loans as cl on cl.agency = a.agency
left join raw_months as rm on rm.agency = a.agency
left join clean_months as cm on cm.agency = a.agency
where coalesce(rl.n, 0) <> coalesce(cl.n, 0)
   or coalesce(rm.n, 0) <> coalesce(cm.n, 0)
