-- Fannie Mae current combined file (YYYYQn.csv, 108 fields, one row per loan and month): the loan
-- attributes, one row per loan, typed and renamed to the loan vocabulary. The fixed attributes are
-- repeated identically on every monthly row of a loan; the first row (by period, then line) of
-- each loan in each file is taken. The servicer, which changes over time, comes from the monthly
-- rows (stg_fannie_current).
with first_rows as (
    select distinct on (r._file, r.loan_id) r.*
    from {{ source('raw', 'fannie_current') }} as r
    order by r._file, r.loan_id, {{ parse_mmyyyy('r.monthly_reporting_period') }}, r._line
)
select
    'fannie'::text as agency,
    r.loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    ch.value as channel,
    {{ text_value('r.seller_name') }} as seller_name_raw,
    null::text as servicer_name_raw,
    {{ to_num('r.orig_interest_rate') }} as orig_interest_rate,
    {{ to_num('r.orig_upb') }} as orig_upb,
    {{ to_int('r.orig_loan_term') }}::integer as orig_loan_term,
    {{ parse_mmyyyy('r.first_payment_date') }} as first_payment_date,
    {{ to_num('r.orig_ltv') }} as orig_ltv,
    {{ to_num('r.orig_cltv') }} as orig_cltv,
    {{ to_num('r.dti') }} as dti,
    {{ to_int('r.borrower_credit_score') }}::integer as credit_score,
    fthb.value as first_time_homebuyer,
    purpose.value as loan_purpose,
    ptype.value as property_type,
    occ.value as occupancy,
    {{ to_int('r.num_units') }}::integer as num_units,
    {{ to_int('r.num_borrowers') }}::integer as num_borrowers,
    {{ text_value('r.property_state') }} as property_state,
    {{ text_value('r.zip3') }} as zip3,
    {{ to_num('r.mi_pct') }} as mi_pct,
    r._file,
    r._line,
    r._batch_id
from first_rows as r
{{ code_join('ch', 'channel', 'fannie', 'r.channel') }}
{{ code_join('fthb', 'first_time_homebuyer', 'fannie', 'r.first_time_home_buyer') }}
{{ code_join('purpose', 'loan_purpose', 'fannie', 'r.loan_purpose') }}
{{ code_join('ptype', 'property_type', 'fannie', 'r.property_type') }}
{{ code_join('occ', 'occupancy', 'fannie', 'r.occupancy_status') }}
