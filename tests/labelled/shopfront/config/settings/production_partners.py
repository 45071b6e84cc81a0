"""Partner endpoints for production: cleartext URLs (SEC010) beside internal and HTTPS ones."""

import os

TAX_SERVICE_URL = "http://api.taxrates-eu.com/v1"  # expect: SEC010
LOYALTY_ENDPOINTS = ["https://loyalty.partner.io/api", "http://backup.loyalty-partner.io/api"]  # expect: SEC010
CRM_WEBHOOK_URL = os.environ.get("CRM_WEBHOOK_URL", "http://hooks.crm-cloud.com/shopfront")  # expect: SEC010
AUTH_LDAP_SERVER_URI = "ldap://directory.shopfront-corp.com"  # expect: SEC010

SHIPPING_API_URL = "https://api.shipping-partner.com/v2"
SEARCH_URL = "http://elasticsearch:9200"
METRICS_URL = "http://10.0.3.12:9091/metrics"
MEDIA_CDN = "http://cdn.shopfront.internal/media/"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
PARTNER_DOCS_HOMEPAGE = "http://partners.example.com/docs"
