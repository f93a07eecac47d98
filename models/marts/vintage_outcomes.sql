-- Outcomes by agency, vintage year and state: the share of loans ever 90+ days delinquent,
-- defaulted and prepaid. Loans without monthly rows yet count in `loans` as not delinquent, not
-- defaulted and not prepaid.
select
    l.agency,
    l.vintage_year,
    l.property_state,
    count(*)::integer as loans,
    (count(*) filter (where o.ever_90dpd))::float8 / count(*) as ever_90dpd_rate,
    (count(*) filter (where o.is_default))::float8 / count(*) as default_rate,
    (count(*) filter (where o.is_prepaid))::float8 / count(*) as prepay_rate
from {{ ref('loans') }} as l
left join {{ ref('loan_outcomes') }} as o on o.agency = l.agency and o.loan_id = l.loan_id
group by l.agency, l.vintage_year, l.property_state
