{{ config(severity='warn') }}
-- Raw servicer names, as written in the files, with no exact match in the servicer_name_map seed:
-- clean.loans standardizes them with standardize_name() instead. A warning, not an error: add the
-- spelling to seeds/servicer_name_map.csv when its standardized form is not the one wanted.
with names as (
    select servicer_name_raw as raw_name, agency
    from {{ ref('stg_freddie_origination') }}
    where servicer_name_raw is not null
    union all
    select servicer_name_raw, agency
    from {{ ref('loan_months') }}
    where servicer_name_raw is not null
)
select
    n.raw_name,
    string_agg(distinct n.agency, ', ') as agencies,
    count(*) as raw_rows,
    {{ standardize_name('n.raw_name') }} as standardized_as
from names as n
left join {{ ref('servicer_name_map') }} as m on m.raw_name = n.raw_name
where m.raw_name is null
group by n.raw_name
