{#-
  Partition statistics as window expressions, so they can be used in any select list.

  PostgreSQL has no percentile_cont / percentile_disc window functions. Over a frame that spans the
  whole partition and is ordered by the value, array_agg collects the partition's sorted non-NULL
  values; PostgreSQL computes such an aggregate once per partition (and shares identical calls),
  and reading an element of a fixed-width array is O(1), so the whole expression stays linear.
-#}

{%- macro _sorted_values(column, partition_by, type) -%}
(array_agg(({{ column }})::{{ type }}) filter (where {{ column }} is not null) over (partition by {{ partition_by }} order by {{ column }} rows between unbounded preceding and unbounded following))
{%- endmacro %}

{#- percentile_cont(fraction) of the non-NULL values of the partition (linear interpolation). -#}
{% macro percentile_cont_over(column, fraction, partition_by) -%}
    {%- set v = _sorted_values(column, partition_by, 'float8') -%}
    {%- set pos = '(' ~ fraction ~ ' * (cardinality(' ~ v ~ ') - 1))' -%}
    ({{ v }}[floor({{ pos }})::int + 1] + ({{ pos }} - floor({{ pos }})) * ({{ v }}[ceil({{ pos }})::int + 1] - {{ v }}[floor({{ pos }})::int + 1]))
{%- endmacro %}

{#- percentile_disc(0.5) of the non-NULL values of the partition: the smallest value with at least half of them at or below it. -#}
{% macro median_over(column, partition_by) -%}
    {%- set v = _sorted_values(column, partition_by, 'float8') -%}
    {{ v }}[greatest(ceil(0.5 * cardinality({{ v }}))::int, 1)]
{%- endmacro %}

{#-
  The value, or when it is NULL the median (percentile_disc(0.5)) of the non-NULL values of its
  partition. partition_by: a column list as SQL text, e.g. 'agency, source_quarter'.
-#}
{% macro median_impute(column, partition_by) -%}
    coalesce(({{ column }})::float8, {{ median_over(column, partition_by) }})
{%- endmacro %}

{#-
  Tukey's fences: TRUE when the value lies outside [q1 - k·IQR, q3 + k·IQR], q1 and q3 being
  percentile_cont(0.25 / 0.75) of the non-NULL values of its partition; NULL when the value is NULL.
-#}
{% macro tukey_outlier_flag(column, partition_by, k=1.5) -%}
    {%- set q1 = percentile_cont_over(column, 0.25, partition_by) -%}
    {%- set q3 = percentile_cont_over(column, 0.75, partition_by) -%}
    case when {{ column }} is null then null
         else ({{ column }})::float8 < {{ q1 }} - {{ k }} * ({{ q3 }} - {{ q1 }})
           or ({{ column }})::float8 > {{ q3 }} + {{ k }} * ({{ q3 }} - {{ q1 }}) end
{%- endmacro %}
