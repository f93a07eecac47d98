{{ config(severity='warn') }}
-- Raw seller names, as written in the files, with no exact match in the servicer_name_map seed
-- (standardized with standardize_name() instead). A warning, as for servicers.
with names as (
{%- for model in ['stg_freddie_origination', 'stg_fannie_acquisition', 'stg_fannie_current_loans'] %}
    select seller_name_raw as raw_name, agency from {{ ref(model) }} where seller_name_raw is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)
select
    n.raw_name,
    string_agg(distinct n.agency, ', ') as agencies,
    count(*) as loans,
    {{ standardize_name('n.raw_name') }} as standardized_as
from names as n
left join {{ ref('servicer_name_map') }} as m on m.raw_name = n.raw_name
where m.raw_name is null
group by n.raw_name
