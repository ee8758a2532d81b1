# Product page views. Production users read the prod mart; everyone else the dev schema.
view: fact_page_views {
  sql_table_name:
    {% if _user_attributes['greenery_env'] == 'prod' %}
      analytics.fact_page_views
    {% else %}
      dbt_dev.fact_page_views
    {% endif %} ;;

  dimension: event_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.event_id ;;
  }

  dimension: session_id {
    type: string
    sql: ${TABLE}.session_id ;;
  }

  dimension: user_id {
    type: string
    hidden: yes
    sql: ${TABLE}.user_id ;;
  }

  dimension: product_id {
    type: string
    hidden: yes
    sql: ${TABLE}.product_id ;;
  }

  dimension: page_url {
    type: string
    link: {
      label: "Open page"
      url: "{{ value }}"
    }
    sql: ${TABLE}.page_url ;;
  }

  dimension_group: viewed {
    type: time
    timeframes: [raw, time, date, week, month]
    sql: ${TABLE}.viewed_at ;;
  }

  measure: count {
    label: "Page views"
    type: count
  }

  measure: count_sessions {
    type: count_distinct
    sql: ${session_id} ;;
  }

  measure: count_visitors {
    type: count_distinct
    sql: ${user_id} ;;
  }
}
