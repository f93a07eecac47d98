{{ config(materialized='table') }}
-- One row per loan with at least one monthly row: its observation window, whether it was ever 30,
-- 60 or 90+ days delinquent (FALSE when no status is known), and how it ended: the last non-NULL
-- zero balance code by period, prepaid (01) or defaulted (02, 03, 09, 15; 06 and 16 are neither).
-- Rebuilt from clean.loan_months every run (one hash aggregation; outcomes of old loans change
-- with every release anyway).
with by_loan as (
    select
        agency,
        loan_id,
        min(period) as first_period,
        max(period) as last_period,
        count(*)::integer as months_observed,
        max(months_delinquent) as max_months_delinquent,
        -- the code of the latest period that has one: 'YYYYMM' || code sorts by period, so max()
        -- picks it in the same hash aggregation (no per-loan sort)
        substr(max(to_char(period, 'YYYYMM') || zero_balance_code collate "C")
               filter (where zero_balance_code is not null and period is not null), 7) as zero_balance_code
    from {{ ref('loan_months') }}
    group by agency, loan_id
)
select
    agency,
    loan_id,
    first_period,
    last_period,
    months_observed,
    coalesce(max_months_delinquent >= 1, false) as ever_30dpd,
    coalesce(max_months_delinquent >= 2, false) as ever_60dpd,
    coalesce(max_months_delinquent >= 3, false) as ever_90dpd,
    zero_balance_code,
    coalesce(zero_balance_code = '01', false) as is_prepaid,
    coalesce(zero_balance_code in ('02', '03', '09', '15'), false) as is_default
from by_loan
