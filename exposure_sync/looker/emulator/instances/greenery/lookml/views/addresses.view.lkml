# Raw addresses (dbt source greenery.addresses), with a trailing table alias.
view: addresses {
  sql_table_name: raw.addresses AS addr ;;

  dimension: address_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.address_id ;;
  }

  dimension: address {
    type: string
    sql: ${TABLE}.address ;;
  }

  dimension: zipcode {
    type: zipcode
    sql: ${TABLE}.zipcode ;;
  }

  dimension: state {
    type: string
    map_layer_name: us_states
    sql: ${TABLE}.state ;;
  }

  dimension: country {
    type: string
    sql: ${TABLE}.country ;;
  }

  measure: count {
    label: "Addresses"
    type: count
  }
}
