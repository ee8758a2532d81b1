# Customers: the users table under another name, reusing dim_users' table.
view: customers {
  sql_table_name: ${dim_users.SQL_TABLE_NAME} ;;

  dimension: user_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.user_id ;;
  }

  dimension: email {
    type: string
    sql: ${TABLE}.email ;;
  }

  dimension: state {
    type: string
    sql: ${TABLE}.state ;;
  }

  dimension_group: signed_up {
    type: time
    timeframes: [raw, date, month]
    sql: ${TABLE}.created_at ;;
  }

  measure: count {
    label: "Customers"
    type: count
  }
}
