select
    id as customer_id,
    first_name || ' ' || last_name as customer_name
from "raw"."raw_customers"
