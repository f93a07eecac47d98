-- Originations by state, agency and vintage year (year of the first payment), for Tableau.
-- Averages are of the non-NULL values (avg_credit_score: the reported score, not the imputed one);
-- first_time_homebuyer_share = Y / (Y + N), NULL when no loan of the group says.
select
    property_state,
    agency,
    vintage_year,
    count(*)::integer as loan_count,
    sum(orig_upb) as total_orig_upb,
    avg(orig_upb)::float8 as avg_orig_upb,
    avg(credit_score)::float8 as avg_credit_score,
    avg(orig_ltv)::float8 as avg_orig_ltv,
    avg(dti)::float8 as avg_dti,
    avg(orig_interest_rate)::float8 as avg_orig_interest_rate,
    (count(*) filter (where first_time_homebuyer = 'Y'))::float8
        / nullif(count(*) filter (where first_time_homebuyer in ('Y', 'N')), 0) as first_time_homebuyer_share,
    (count(*) filter (where credit_score_is_outlier))::integer as credit_score_outlier_count,
    (count(*) filter (where credit_score_is_imputed))::integer as credit_score_imputed_count
from {{ ref('loans') }}
group by property_state, agency, vintage_year
