{{ config(
    materialized='incremental',
    unique_key=['agency', 'loan_id'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    pre_hook="set local enable_nestloop = off"
) }}
{#-
  One row per loan with at least one monthly row: its observation window, whether it was ever 30,
  60 or 90+ days delinquent (FALSE when no status is known), and how it ended: the last non-NULL
  zero balance code by period, prepaid (01) or defaulted (02, 03, 09, 15; 06 and 16 are neither).

  Incremental (each case exact; tests/e2e/loans.test.ts checks the marts built on it against the
  generator's ground truth after a quarterly update). The loans with monthly rows written since this
  model's last build (clean.loan_months._built_at after max(_built_at) here) are recomputed, and only
  them:
  - a loan not here yet: all its monthly rows are new, so it is aggregated from the new rows;
  - a loan whose new months all come after its last known month (the agencies append months): its
    row is merged with the new rows' aggregate (counts added, windows widened, the flags or-ed, the
    latest new zero balance code if any, else the old one), without reading its older months;
  - any other loan (a month corrected or re-reported): aggregated again from all its monthly rows.
  A full build aggregates clean.loan_months in one hash aggregation.
  The pre-hook keeps the planner off nested loops for this transaction: it cannot estimate how many
  loans a CTE holds (a million after a quarterly release), and a nested loop over a misestimated
  side is quadratic; every join here is meant to be a hash join.
-#}
{%- macro outcome_aggregates() -%}
        min(period) as first_period,
        max(period) as last_period,
        count(*)::integer as months_observed,
        max(months_delinquent) as max_months_delinquent,
        -- the code of the latest period that has one: 'YYYYMM' || code sorts by period, so max()
        -- picks it in the same hash aggregation (no per-loan sort)
        substr(max(to_char(period, 'YYYYMM') || zero_balance_code collate "C")
               filter (where zero_balance_code is not null and period is not null), 7) as zero_balance_code
{%- endmacro %}
with
{%- if is_incremental() %}
new_by_loan as (
    select agency, loan_id, {{ outcome_aggregates() }}, count(period)::integer as months_with_period
    from {{ ref('loan_months') }}
    where _built_at > (select max(_built_at) from {{ this }})
    group by agency, loan_id
),
-- each loan with new months, its new months' aggregate beside its row here (if any), classified
changed as materialized (
    select n.*,
           o.loan_id is null as is_new,
           coalesce(n.months_with_period = n.months_observed and n.first_period > o.last_period, false) as appended,
           o.first_period as old_first_period,
           o.months_observed as old_months_observed,
           o.ever_30dpd as old_ever_30dpd,
           o.ever_60dpd as old_ever_60dpd,
           o.ever_90dpd as old_ever_90dpd,
           o.zero_balance_code as old_zero_balance_code
    from new_by_loan as n
    left join {{ this }} as o on o.agency = n.agency and o.loan_id = n.loan_id
),
-- one row per loan: its window, count, highest months delinquent and last zero balance code
by_loan as (
    -- loans seen for the first time
    select agency, loan_id, first_period, last_period, months_observed, max_months_delinquent, zero_balance_code
    from changed
    where is_new
    union all
    -- new months after the last known one: merged (the old row keeps only the delinquency
    -- thresholds it reached, which is all the flags below need)
    select agency, loan_id, old_first_period, last_period, old_months_observed + months_observed,
           greatest(case when old_ever_90dpd then 3 when old_ever_60dpd then 2 when old_ever_30dpd then 1 end,
                    max_months_delinquent),
           coalesce(zero_balance_code, old_zero_balance_code)
    from changed
    where appended
    union all
    -- anything else: all the loan's months again
    select agency, loan_id, {{ outcome_aggregates() }}
    from (
        select m.agency, m.loan_id, m.period, m.months_delinquent, m.zero_balance_code
        from {{ ref('loan_months') }} as m
        join changed as c on c.agency = m.agency and c.loan_id = m.loan_id and not c.is_new and not c.appended
    ) as m
    group by agency, loan_id
)
{%- else %}
by_loan as (
    select agency, loan_id, {{ outcome_aggregates() }}
    from {{ ref('loan_months') }}
    group by agency, loan_id
)
{%- endif %}
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
    coalesce(zero_balance_code in ('02', '03', '09', '15'), false) as is_default,
    now() as _built_at
from by_loan
