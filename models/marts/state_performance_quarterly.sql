-- Monthly performance by state, agency and calendar quarter of the reporting period ('2020Q2'):
-- loans observed, loan-months, loan-months 60+ days delinquent (REO months, whose delinquency is
-- unknown, are not counted), prepayments (zero balance 01) and defaults (02, 03, 09, 15).
with loan_quarters as (
    -- first per loan and quarter, so loans_observed is a plain count afterwards
    select
        agency,
        loan_id,
        date_trunc('quarter', period)::date as quarter_start,
        count(*) as loan_months,
        count(*) filter (where months_delinquent >= 2) as dq60_plus_loan_months,
        count(*) filter (where zero_balance_code = '01') as prepayments,
        count(*) filter (where zero_balance_code in ('02', '03', '09', '15')) as defaults
    from {{ ref('loan_months') }}
    group by agency, loan_id, date_trunc('quarter', period)::date
)
select
    l.property_state,
    q.agency,
    to_char(q.quarter_start, 'YYYY"Q"Q') as period_quarter,
    count(*)::integer as loans_observed,
    sum(q.loan_months)::integer as loan_months,
    sum(q.dq60_plus_loan_months)::integer as dq60_plus_loan_months,
    sum(q.dq60_plus_loan_months)::float8 / nullif(sum(q.loan_months), 0) as dq60_plus_rate,
    sum(q.prepayments)::integer as prepayments,
    sum(q.defaults)::integer as defaults
from loan_quarters as q
join {{ ref('loans') }} as l on l.agency = q.agency and l.loan_id = q.loan_id
group by l.property_state, q.agency, q.quarter_start
