-- Fannie Mae legacy acquisition rows (Acquisition_YYYYQn.txt, 25 fields; the 2000-era files' extra
-- trailing field is dropped by the loader), typed and renamed to the loan vocabulary. Fannie has no
-- numeric sentinels (missing values are blanks or the string NULL); U flags go through the code map.
-- The servicer is not in this file: clean.loans takes it from the performance rows.
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
    {{ parse_mm_yyyy('r.first_payment_date') }} as first_payment_date,
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
from {{ source('raw', 'fannie_acq') }} as r
{{ code_join('ch', 'channel', 'fannie', 'r.channel') }}
{{ code_join('fthb', 'first_time_homebuyer', 'fannie', 'r.first_time_home_buyer') }}
{{ code_join('purpose', 'loan_purpose', 'fannie', 'r.loan_purpose') }}
{{ code_join('ptype', 'property_type', 'fannie', 'r.property_type') }}
{{ code_join('occ', 'occupancy', 'fannie', 'r.occupancy_status') }}
