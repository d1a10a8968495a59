-- wrk script: a JSON POST to /echo.
wrk.method = "POST"
wrk.path = "/echo"
wrk.body = '{"name":"lode","values":[1,2,3,4,5],"nested":{"ok":true,' ..
  '"text":"hello world"}}'
wrk.headers["Content-Type"] = "application/json"
