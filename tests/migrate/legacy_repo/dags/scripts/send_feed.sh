#!/bin/bash
# Sends the partner feed for one day.
echo "feed for {{ execution_date }} until {{ next_ds_nodash }}"
