-- Freddie Mac monthly performance rows (historical_data_time_YYYYQn.txt, 23 to 32 fields), typed and
-- renamed to the monthly vocabulary. Delinquency status: months (0, 1, ...), RA / R (REO, older
-- files R) flagged by is_reo, XX / negative / missing → NULL. Freddie's monthly file names no servicer.
select
    'freddie'::text as agency,
    r.loan_sequence_number as loan_id,
    {{ source_quarter('r._file') }} as source_quarter,
    {{ parse_yyyymm('r.monthly_reporting_period') }} as period,
    {{ to_num('r.current_actual_upb') }} as current_upb,
    {{ to_int('r.loan_age') }}::integer as loan_age,
    {{ months_delinquent('r.current_loan_delinquency_status') }} as months_delinquent,
    {{ is_reo('r.current_loan_delinquency_status') }} as is_reo,
    {{ text_value('r.modification_flag') }} as modification_flag,
    {{ text_value('r.zero_balance_code') }} as zero_balance_code,
    {{ parse_yyyymm('r.zero_balance_effective_date') }} as zero_balance_date,
    {{ to_num('r.current_interest_rate') }} as current_interest_rate,
    null::text as servicer_name_raw,
    r._file,
    r._line,
    r._batch_id
from {{ source('raw', 'freddie_perf') }} as r
