-- Fannie Mae current combined file (YYYYQn.csv, 108 fields): the monthly part of each row, typed and
-- renamed to the monthly vocabulary (the loan attributes are in stg_fannie_current_loans). Dates
-- are MMYYYY; the servicer is named on every row; unknown delinquency is XX.
select
    'fannie'::text as agency,
    r.loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    {{ parse_mmyyyy('r.monthly_reporting_period') }} as period,
    {{ to_num('r.current_actual_upb') }} as current_upb,
    {{ to_int('r.loan_age') }}::integer as loan_age,
    {{ months_delinquent('r.current_loan_delinquency_status') }} as months_delinquent,
    {{ is_reo('r.current_loan_delinquency_status') }} as is_reo,
    {{ text_value('r.modification_flag') }} as modification_flag,
    {{ text_value('r.zero_balance_code') }} as zero_balance_code,
    {{ parse_mmyyyy('r.zero_balance_effective_date') }} as zero_balance_date,
    {{ to_num('r.current_interest_rate') }} as current_interest_rate,
    {{ text_value('r.servicer_name') }} as servicer_name_raw,
    r._file,
    r._line,
    r._batch_id
from {{ source('raw', 'fannie_current') }} as r
