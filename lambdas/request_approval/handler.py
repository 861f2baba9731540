"""RequestApproval: store the task token, mark the run AWAITING_APPROVAL, email the operators."""

from covid_etl.handler import lambda_handler
from covid_etl.steps.request_approval import SCHEMA, request_approval

handler = lambda_handler(SCHEMA, request_approval)
