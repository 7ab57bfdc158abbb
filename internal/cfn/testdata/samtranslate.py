"""Translate a SAM template to CloudFormation, as CloudFormation's
AWS::Serverless-2016-10-31 transform does, so that Go tests can inspect what
a deployment would really create (the IAM roles and policies SAM generates).

Reads the template as JSON on stdin (short-form tags already expanded, as
cfn.Parse does) and writes the translated template as JSON on stdout. Needs
aws-sam-translator, which cfn-lint depends on.
"""

import json
import os
import sys

try:
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
except ImportError as err:
    sys.exit(
        f"samtranslate.py: aws-sam-translator is not importable by {sys.executable} ({err}); "
        "install it with: python3 -m pip install aws-sam-translator (cfn-lint brings it)"
    )


def main():
    # The translator builds ARNs with the partition of this region.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = json.load(sys.stdin)
    # The translator accepts only S3 locations; what sam build uploads does
    # not change the resources it generates.
    for res in template.get("Resources", {}).values():
        if res.get("Type") == "AWS::Serverless::Function":
            res.setdefault("Properties", {})["CodeUri"] = "s3://bucket/function.zip"
    try:
        out = Translator(managed_policy_map={}, sam_parser=Parser()).translate(
            sam_template=template, parameter_values={}
        )
    except InvalidDocumentException as err:
        sys.exit("samtranslate.py: " + "; ".join(str(c) for c in err.causes))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
