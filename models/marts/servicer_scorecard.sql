-- Servicers (standardized names; 'unknown' when the loan has none yet) by agency: loans, balance,
-- average reported credit score, states served and the share of loans ever 90+ days delinquent.
select
    coalesce(l.servicer_name, 'unknown') as servicer_name,
    l.agency,
    count(*)::integer as loan_count,
    sum(l.orig_upb) as total_orig_upb,
    avg(l.credit_score)::float8 as avg_credit_score,
    count(distinct l.property_state)::integer as states_served,
    (count(*) filter (where o.ever_90dpd))::float8 / count(*) as ever_90dpd_rate
from {{ ref('loans') }} as l
left join {{ ref('loan_outcomes') }} as o on o.agency = l.agency and o.loan_id = l.loan_id
group by coalesce(l.servicer_name, 'unknown'), l.agency
