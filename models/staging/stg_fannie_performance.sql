-- Fannie Mae legacy performance rows (Performance_YYYYQn.txt, 31 fields), typed and renamed to the
-- monthly vocabulary. Numbers may be written as floats (4.0); unknown delinquency is X or a negative
-- number (NULL months); the servicer is named only on a loan's first row and when it changes (NULL
-- on the other rows).
select
    'fannie'::text as agency,
    r.loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    {{ parse_mm_dd_yyyy('r.monthly_reporting_period') }} as period,
    {{ to_num('r.current_actual_upb') }} as current_upb,
    {{ to_int('r.loan_age') }}::integer as loan_age,
    {{ months_delinquent('r.current_loan_delinquency_status') }} as months_delinquent,
    {{ is_reo('r.current_loan_delinquency_status') }} as is_reo,
    {{ text_value('r.modification_flag') }} as modification_flag,
    {{ text_value('r.zero_balance_code') }} as zero_balance_code,
    {{ parse_mm_yyyy('r.zero_balance_effective_date') }} as zero_balance_date,
    {{ to_num('r.current_interest_rate') }} as current_interest_rate,
    {{ text_value('r.servicer_name') }} as servicer_name_raw,
    r._file,
    r._line,
    r._batch_id
from {{ source('raw', 'fannie_perf') }} as r
