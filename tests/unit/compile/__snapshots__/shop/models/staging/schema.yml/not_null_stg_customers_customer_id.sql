select "customer_id"
from "staging"."stg_customers"
where "customer_id" is null
