"""The pipeline on one machine, for `make demo` and the end-to-end tests (`stack.LocalStack` puts it together).

environment          the functions' environment as Terraform sets it, plus what Lambda and the emulator add
notifications        the buckets' notification filters, from the contract the module also reads
dispatcher           Lambda's S3 trigger: long-polls the notified queues, invokes the real handlers, retries
upload_api           stand-in for the deployed upload API (API Gateway -> S3 PutObject)
transcribe_standin   stand-in for Transcribe writing a job's transcript and subtitles (moto writes none)
bedrock_standin      stand-in for the Bedrock runtime (moto does not emulate it): locally rendered images
lambda_standin       stand-in for Lambda's asynchronous Invoke, so failed events can be re-driven
watcher              sees every object written to the image bucket
timeline, media      what happened when; the length of the sample audio
"""
