"""Every use of an Airflow name that is not part of its public interface, one adapter per area,
each with a contract test."""
