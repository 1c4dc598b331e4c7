"""Build the daily revenue mart from lake tables: seven steps with a fan-out and a join."""

from datetime import datetime

from airflow.sdk import dag, task

from common.defaults import default_args


@dag(
    dag_id="daily_revenue_mart",
    schedule="0 3 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_mart"],
    default_args=default_args("mart-team@example.com"),
)
def daily_revenue_mart():
    @task
    def start() -> str:
        return "2024-01-01"

    @task
    def rentals(day: str) -> int:
        return 120

    @task
    def refunds(day: str) -> int:
        return 7

    @task
    def coupons(day: str) -> int:
        return 12

    @task
    def revenue(rentals: int, refunds: int, coupons: int) -> int:
        return rentals * 1000 - refunds * 1000 - coupons * 100

    @task
    def publish(total: int) -> None:
        print(f"revenue: {total}")

    @task
    def notify() -> None:
        print("mart ready")

    day = start()
    published = publish(revenue(rentals(day), refunds(day), coupons(day)))
    published >> notify()


daily_revenue_mart()
