#!/bin/sh
# Azure Monitor autoscale for the managed online deployment managed-online/blue:
# 3–3 × Standard_F2s_v2, starting at 3; one more instance when
# CpuUtilizationPercentage averages above 70% over 5 minutes, one fewer below 25%,
# 5-minute cooldown. Needs the Azure CLI with the ml extension, logged in, with
# the workspace and resource group as defaults (az configure --defaults).
set -eu
ENDPOINT_NAME=managed-online
DEPLOYMENT_NAME=blue
DEPLOYMENT_ID=$(az ml online-deployment show -e "$ENDPOINT_NAME" -n "$DEPLOYMENT_NAME" -o tsv --query id)
AUTOSCALE_NAME="autoscale-$ENDPOINT_NAME-$DEPLOYMENT_NAME"
az monitor autoscale create --name "$AUTOSCALE_NAME" --resource "$DEPLOYMENT_ID" \
  --min-count 3 --max-count 3 --count 3
az monitor autoscale rule create --autoscale-name "$AUTOSCALE_NAME" \
  --condition "CpuUtilizationPercentage > 70 avg 5m" --scale out 1 --cooldown 5
az monitor autoscale rule create --autoscale-name "$AUTOSCALE_NAME" \
  --condition "CpuUtilizationPercentage < 25 avg 5m" --scale in 1 --cooldown 5
