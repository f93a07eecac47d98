-- Freddie Mac origination rows (historical_data_YYYYQn.txt, 26 to 32 fields; older layouts have
-- fewer and are padded with NULLs by the loader), typed and renamed to the loan vocabulary.
-- Sentinels: 9999 credit score; 999 LTV, CLTV, DTI and MI %; 99 units and borrowers; 9 / 99 flags
-- and property type go through the code map.
select
    'freddie'::text as agency,
    r.loan_sequence_number as loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    ch.value as channel,
    {{ text_value('r.seller_name') }} as seller_name_raw,
    {{ text_value('r.servicer_name') }} as servicer_name_raw,
    {{ to_num('r.original_interest_rate') }} as orig_interest_rate,
    {{ to_num('r.original_upb') }} as orig_upb,
    {{ to_int('r.original_loan_term') }}::integer as orig_loan_term,
    {{ parse_yyyymm('r.first_payment_date') }} as first_payment_date,
    {{ null_if_sentinel(to_num('r.original_ltv'), [999]) }} as orig_ltv,
    {{ null_if_sentinel(to_num('r.original_cltv'), [999]) }} as orig_cltv,
    {{ null_if_sentinel(to_num('r.original_dti'), [999]) }} as dti,
    {{ null_if_sentinel(to_int('r.credit_score'), [9999]) }}::integer as credit_score,
    fthb.value as first_time_homebuyer,
    purpose.value as loan_purpose,
    ptype.value as property_type,
    occ.value as occupancy,
    {{ null_if_sentinel(to_int('r.number_of_units'), [99]) }}::integer as num_units,
    {{ null_if_sentinel(to_int('r.number_of_borrowers'), [99]) }}::integer as num_borrowers,
    {{ text_value('r.property_state') }} as property_state,
    left({{ text_value('r.postal_code') }}, 3) as zip3,
    {{ null_if_sentinel(to_num('r.mi_pct'), [999]) }} as mi_pct,
    r._file,
    r._line,
    r._batch_id
from {{ source('raw', 'freddie_orig') }} as r
{{ code_join('ch', 'channel', 'freddie', 'r.channel') }}
{{ code_join('fthb', 'first_time_homebuyer', 'freddie', 'r.first_time_homebuyer_flag') }}
{{ code_join('purpose', 'loan_purpose', 'freddie', 'r.loan_purpose') }}
{{ code_join('ptype', 'property_type', 'freddie', 'r.property_type') }}
{{ code_join('occ', 'occupancy', 'freddie', 'r.occupancy_status') }}
