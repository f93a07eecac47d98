-- Every mart adds up to the clean layer, per agency: loan counts and balances of the marts built on
-- clean.loans (state_dimension_counts per dimension), and the loan-months of
-- state_performance_quarterly equal clean.loan_months. Returns the mismatches (a mart missing an
-- agency included).
with clean_totals as (
    select agency, count(*) as loans, coalesce(sum(orig_upb), 0) as upb
    from {{ ref('loans') }}
    group by agency
),
clean_months as (
    select agency, count(*) as loans, null::numeric as upb
    from {{ ref('loan_months') }}
    group by agency
),
mart_totals as (
    select 'state_origination_summary' as mart, agency, sum(loan_count) as loans, coalesce(sum(total_orig_upb), 0) as upb
    from {{ ref('state_origination_summary') }} group by agency
    union all
    select 'servicer_scorecard', agency, sum(loan_count), coalesce(sum(total_orig_upb), 0)
    from {{ ref('servicer_scorecard') }} group by agency
    union all
    select 'vintage_outcomes', agency, sum(loans), null
    from {{ ref('vintage_outcomes') }} group by agency
    union all
    select 'state_dimension_counts.' || dimension, agency, sum(loan_count), null
    from {{ ref('state_dimension_counts') }} group by dimension, agency
    union all
    select 'state_performance_quarterly', agency, sum(loan_months), null
    from {{ ref('state_performance_quarterly') }} group by agency
),
expected as (
    select m.mart, t.agency, t.loans, t.upb
    from (values ('state_origination_summary'), ('servicer_scorecard'), ('vintage_outcomes'),
                 ('state_dimension_counts.loan_purpose'), ('state_dimension_counts.first_time_homebuyer'),
                 ('state_dimension_counts.property_type'), ('state_dimension_counts.channel'),
                 ('state_dimension_counts.occupancy'), ('state_dimension_counts.num_borrowers')) as m (mart)
    cross join clean_totals as t
    union all
    select 'state_performance_quarterly', agency, loans, upb
    from clean_months
)
select
    coalesce(e.mart, a.mart) as mart,
    coalesce(e.agency, a.agency) as agency,
    a.loans as mart_count,
    e.loans as clean_count,
    a.upb as mart_upb,
    e.upb as clean_upb
from expected as e
full join mart_totals as a on a.mart = e.mart and a.agency = e.agency
where a.loans is distinct from e.loans
   or (a.upb is not null and a.upb is distinct from e.upb)
