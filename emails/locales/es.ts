/** @module locales/es — Español (tuteo). */
import type { Messages } from "./types.ts";

export const es: Messages = {
  tag: "es",
  defaultFormatLocale: "es-ES",
  languageName: "Spanish",

  greeting: (name) => (name ? `Hola, ${name}:` : "Hola:"),
  signOff: "Gracias,",
  team: (brand) => `El equipo de ${brand}`,
  buttonFallback: "Si el botón no funciona, copia este enlace en tu navegador:",
  forPlan: (plan) => (plan ? `por tu plan ${plan}` : "por tu suscripción"),
  forPurchase: (d) => (d ? `por «${d}»` : "por tu compra"),

  details: {
    title: "Detalles del pago",
    amount: "Importe",
    item: "Concepto",
    card: "Tarjeta",
    dueDate: "Vencimiento",
    cardValue: (brand, last4) => `${brand} terminada en ${last4}`,
  },

  footer: {
    renewal: (brand) => `Recibes este correo porque tienes una suscripción con ${brand}.`,
    oneOff: (brand) => `Recibes este correo por un pago a ${brand}.`,
    offer: (brand) => `Recibes esta oferta como cliente de ${brand}.`,
    support: (email) => `¿Dudas? Escríbenos a ${email}.`,
    unsubscribe: "Dejar de recibir ofertas",
  },

  annualGrace: (brand) => `Como suscriptor anual, mantienes el acceso completo a ${brand} durante un periodo de gracia mientras se resuelve esto.`,
  viewInvoice: "Ver la factura",
  alreadyUpdated: "Si ya actualizaste tus datos, gracias; puedes ignorar este correo.",
  alreadyConfirmed: "Si ya confirmaste el pago, gracias; puedes ignorar este correo.",
  alreadyPaid: "Si ya completaste el pago, gracias; puedes ignorar este correo.",
  replyHelp: "Si tienes alguna duda, responde a este correo y una persona de nuestro equipo te ayudará.",
  accessUntil: (date) => `Tu acceso sigue activo hasta el ${date}. Después se pausará hasta que se complete el pago.`,

  cardUpdate: {
    subject: (amount, brand) => `Tu pago de ${amount} a ${brand} no se ha completado`,
    preview: (amount, brand) => `Tu pago de ${amount} a ${brand} no se ha completado. Actualizar tus datos de pago lleva un minuto.`,
    intro: (amount, forWhat, brand) => `Intentamos cobrar ${amount} ${forWhat} en ${brand}, pero el pago no se ha completado.`,
    askNeedsCustomer: "Actualiza tus datos de pago con el enlace seguro de abajo. Solo lleva un minuto y nosotros nos encargamos del resto.",
    askSoft: "En la página segura de abajo puedes pagar con la misma tarjeta cuando te venga bien, o usar otra. Solo lleva un minuto.",
    askTrial: "Cuando te venga bien, puedes actualizar tus datos de pago con el enlace seguro de abajo. Solo lleva un minuto.",
    retryScheduled: (date) => `Volveremos a intentar el pago el ${date}, así que basta con actualizar tus datos antes de esa fecha.`,
    button: "Actualizar datos de pago",
  },

  softReminder: {
    subject: (amount, brand) => `Tu pago de ${amount} a ${brand} no se ha completado`,
    subjectRetry: (amount, brand, date) => `Tu pago de ${amount} a ${brand} no se ha completado: lo intentaremos de nuevo el ${date}`,
    preview: (amount, brand) => `Tu pago de ${amount} a ${brand} no se ha completado. Completarlo lleva un minuto.`,
    previewRetry: (amount, brand, date) => `Tu pago de ${amount} a ${brand} no se ha completado. Lo intentaremos de nuevo el ${date}.`,
    intro: (amount, forWhat, brand) => `Tu pago de ${amount} ${forWhat} en ${brand} no se ha completado esta vez. Ocurre a menudo y suele resolverse fácilmente.`,
    retryNoAction: (date) => `Volveremos a intentar el pago automáticamente el ${date}, así que por ahora no tienes que hacer nada.`,
    retryBank: (date) => `Volveremos a intentar el pago automáticamente el ${date}. Como tu banco lo rechazó, hablar con ellos antes de esa fecha, o usar otra tarjeta, ayuda a que se complete.`,
    noRetry: "No se volverá a intentar automáticamente, así que completa el pago en la página segura de abajo, con la misma tarjeta u otra.",
    completeNow: "Puedes completar el pago en la página segura de abajo, con la misma tarjeta u otra.",
    noRetryOtherCard: "Tu banco nos pidió no volver a intentar con esta tarjeta, así que completa el pago con otra tarjeta en la página segura de abajo.",
    payNowOptional: "Si prefieres pagar ahora, o con otra tarjeta, puedes hacerlo en la página segura de abajo.",
    button: "Completar el pago",
  },

  authRequired: {
    subject: (amount, brand) => `Acción necesaria: confirma tu pago de ${amount} a ${brand} con tu banco`,
    subjectTrial: (amount, brand) => `Confirma tu pago de ${amount} a ${brand} con tu banco`,
    preview: (amount, brand) => `Tu banco quiere que confirmes tu pago de ${amount} a ${brand}. Solo lleva un momento.`,
    intro: (amount, forWhat, brand) =>
      `Tu banco te pide que confirmes tu pago de ${amount} ${forWhat} en ${brand}. Es un control de seguridad habitual en los pagos en línea, y tus datos de pago están bien.`,
    how: "Para confirmar el pago con tu banco, abre la página de pago segura de abajo y sigue las indicaciones de tu banco. Suele ser un código por SMS o una aprobación rápida en la aplicación de tu banco.",
    button: "Confirmar el pago",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `Tu pago de ${amount} a ${brand} sigue pendiente`,
    subjectDate: (amount, brand, date) => `Último aviso: tu pago de ${amount} a ${brand} vence el ${date}`,
    subject: (amount, brand) => `Último aviso: tu pago de ${amount} a ${brand} sigue pendiente`,
    previewTrial: (amount, brand) => `Tu pago de ${amount} a ${brand} aún no se ha completado. Actualizar tus datos lleva un minuto.`,
    preview: (amount, brand) => `Tu pago de ${amount} a ${brand} sigue pendiente. Actualiza tus datos de pago para mantener tu acceso.`,
    introTrial: (amount, forWhat, brand) => `Tu pago de ${amount} ${forWhat} en ${brand} aún no se ha completado.`,
    intro: (amount, forWhat, brand) => `Todavía no hemos podido cobrar tu pago de ${amount} ${forWhat} en ${brand}, y este es nuestro último aviso.`,
    trial: (brand) => `Cuando quieras, puedes actualizar tus datos de pago abajo para seguir usando ${brand}. Solo lleva un minuto.`,
    annualDate: (brand, date) =>
      `Como suscriptor anual, has mantenido el acceso completo a ${brand} durante un periodo de gracia. Ese periodo termina el ${date}: si el pago no se ha completado para entonces, tu plan se cancelará.`,
    annual: (brand) => `Como suscriptor anual, has mantenido el acceso completo a ${brand} durante un periodo de gracia. Termina pronto: si el pago no se ha completado para entonces, tu plan se cancelará.`,
    monthlyDate: (brand, date) => `Si el pago no se ha completado el ${date}, tu plan se cancelará y perderás el acceso a ${brand}.`,
    monthly: (brand) => `Si el pago no se completa pronto, tu plan se cancelará y perderás el acceso a ${brand}.`,
    oneOff: "Completa el pago con el enlace seguro de abajo, con la misma tarjeta u otra.",
    button: "Actualizar datos de pago",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `${pct} de descuento en tu próxima factura de ${brand}: código ${code}`,
    subjectReturn: (pct, brand, code) => `${pct} de descuento para volver a ${brand}: código ${code}`,
    previewApplied: (pct, brand, code, expiry) => `Hemos aplicado un ${pct} de descuento a tu próxima factura de ${brand}. Código ${code}, válido hasta el ${expiry}.`,
    previewReturn: (pct, brand, code, expiry) => `Vuelve a ${brand} con un ${pct} de descuento. Código ${code}, válido hasta el ${expiry}.`,
    introApplied: (amount, forWhat, brand) => `Tu último pago de ${amount} ${forWhat} en ${brand} no se ha completado, y queremos ponértelo un poco más fácil.`,
    introReturn: (amount, brand) => `Tu suscripción a ${brand} ha terminado porque el pago de ${amount} no se completó. Nos encantaría que volvieras.`,
    applied: (pct, code) => `Hemos aplicado un ${pct} de descuento a tu próxima factura, así que no tienes que hacer nada. Tu código, como referencia, es ${code}.`,
    useAt: (code, pct) => `Usa el código ${code} en la página de abajo para obtener un ${pct} de descuento al volver.`,
    useWhen: (code, pct) => `Usa el código ${code} al volver a suscribirte para obtener un ${pct} de descuento.`,
    validUntil: (pct, expiry) => `${pct} de descuento · válido hasta el ${expiry}`,
    button: (brand) => `Volver a ${brand}`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `Tu prueba de ${brand} pasa a ser tu plan el ${date}`,
    subjectLapsed: (brand, date) => `Tu prueba de ${brand} termina el ${date}`,
    previewEngaged: (brand, date) => `Nada que hacer: tu plan de ${brand} continúa el ${date}.`,
    previewLapsed: (brand, date) => `Sigue con ${brand} después del ${date} añadiendo un método de pago.`,
    engaged: (brand, date, amount) => `Tu prueba de ${brand} termina el ${date}. Tu método de pago ya está registrado, así que tu plan simplemente continúa y ese día se cobrará el primer pago de ${amount}.`,
    lapsed: (brand, date, amount) => `Tu prueba de ${brand} termina el ${date}. Si quieres continuar (${amount}), añade un método de pago y todo seguirá como está.`,
    changeCard: "Si quieres usar otra tarjeta, puedes cambiarla aquí.",
    buttonEngaged: "Gestionar el método de pago",
    buttonLapsed: "Añadir un método de pago",
  },

  empathy: {
    opening: {
      trial: "Esperamos que estés disfrutando de conocernos y nos encantaría que siguieras explorando todo lo que ofrecemos.",
      new: "Te uniste a nosotros hace poco, así que queríamos escribirte y ponértelo lo más fácil posible.",
      loyal: "Llevas mucho tiempo con nosotros y te lo agradecemos de verdad, así que queríamos avisarte.",
      winback: "Significa mucho para nosotros que hayas vuelto, y no queremos que un pequeño problema con el pago se interponga.",
      none: "Queríamos avisarte rápidamente para que esto no te pille por sorpresa y puedas decidir con calma cómo seguir.",
    },
    hint: {
      card_expired:
        "Parece que la tarjeta que tenemos registrada ha caducado, algo que le pasa a todo el mundo tarde o temprano. Añadir la nueva fecha de caducidad u otra tarjeta suele llevar menos de un minuto.",
      insufficient_funds:
        "A veces un pago se rechaza solo por una cuestión de tiempo, como un saldo que aún no se ha actualizado o un límite de gasto. Le pasa a mucha gente y suele resolverse rápido.",
      authentication_required:
        "Tu banco solo quiere que confirmes este pago, un paso de seguridad habitual en muchas compras en línea. Tu tarjeta está bien y aprobarlo solo lleva un momento.",
      do_not_honor:
        "Tu banco rechazó el pago sin darnos un motivo concreto, algo más habitual de lo que parece. Hablar un momento con tu banco o usar otra tarjeta suele resolverlo.",
      invalid_card_details:
        "Parece que algunos datos de la tarjeta no coinciden con los que tiene tu banco, como el número, la fecha de caducidad o el código de seguridad. Revisarlos suele solucionarlo.",
      card_unusable:
        "Tu banco rechazó el pago con esta tarjeta, y los bancos no siempre nos dicen el motivo. Usar otra tarjeta, o consultarlo con tu banco, suele ser lo más sencillo.",
      merchant_account_issue:
        "El pago no se completó por un problema de nuestra parte, no de tu tarjeta. Ya lo estamos revisando y por ahora no tienes que hacer nada.",
      fraud_suspected:
        "Tu banco rechazó el pago, y no siempre nos dice por qué. Consultarlo con tu banco, o elegir otro método de pago, suele ser la forma más rápida de resolverlo.",
      processing_error:
        "Parece un fallo pasajero en el proceso de pago, no algo que hayas hecho tú. Estas cosas suelen resolverse solas, y lo más probable es que tus datos de pago estén bien.",
      unknown:
        "No sabemos exactamente qué falló, y el banco no nos dio ningún detalle. A menudo es algo pequeño que se arregla fácilmente revisando tus datos de pago.",
    },
    trialEnding:
      "Esperamos que estés disfrutando de conocernos y nos encantaría que siguieras explorando todo lo que ofrecemos. Decidas lo que decidas, todo lo que has configurado se queda tal como lo dejaste, y estaremos encantados de ayudarte a encontrar el plan que mejor te encaje.",
  },

  unsubscribe: {
    title: "Dejar de recibir ofertas",
    confirm: (brand) => `¿Quieres dejar de recibir ofertas de descuento de ${brand}? Seguirás recibiendo los correos sobre tus pagos y tu cuenta.`,
    button: "Darme de baja",
    doneTitle: "Te has dado de baja",
    done: (brand) => `${brand} ya no te enviará ofertas. Los correos sobre tus pagos y tu cuenta te seguirán llegando.`,
    invalid: "Este enlace no es válido. Usa el enlace de nuestro correo más reciente.",
  },
  landing: {
    invalidTitle: "Este enlace no es válido",
    invalidBody: "Usa el enlace de nuestro correo más reciente, o respóndelo y te ayudaremos.",
    settledTitle: "Nada que hacer, gracias",
    settledPaid: "Este pago está liquidado.",
    settledNothing: "No queda nada por pagar en este enlace.",
    settledThanks: "No tienes que hacer nada. ¡Gracias!",
    expiredTitle: "Este enlace ha caducado",
    expiredNothing: "Ya no hay nada que hacer en este enlace.",
    expiredReply: "Si aún quieres actualizar tus datos de pago, responde a nuestro correo más reciente y te ayudaremos.",
    stillOpenTitle: "Tu pago sigue pendiente",
    failed: (amount, brand) => (amount !== null ? `Tu pago de ${amount} a ${brand} no se ha podido completar.` : `Tu pago a ${brand} no se ha podido completar.`),
    expiredPayOnInvoice: "Este enlace ha caducado, pero aún puedes pagar en la página de la factura.",
    expiredNewLink: "Este enlace ha caducado. Responde a nuestro correo más reciente y te enviaremos uno nuevo.",
    openInvoice: "Abrir la factura",
    updateTitle: "Actualiza tu método de pago",
    updateBody: "Actualiza tu tarjeta en la página segura de Stripe; después cobraremos el pago pendiente una sola vez con ella.",
    updateButton: "Actualizar método de pago",
    addCardTitle: "Añade una tarjeta para completar tu pago",
    addCardBody: (amount) => `Añade una tarjeta en la página segura de Stripe; después te cobraremos ${amount ?? "el importe"} una sola vez con ella.`,
    addCardButton: "Añadir una tarjeta",
    trialTitle: "Añade un método de pago",
    trialBody: (brand) => `Añade un método de pago para que tu suscripción a ${brand} continúe sin interrupciones cuando termine tu prueba.`,
    trialButton: "Añadir un método de pago",
    cardOnFileBody: (brand) => `Actualiza la tarjeta a la que ${brand} hace los cargos, en la página segura de Stripe.`,
    rateLimited: "Este enlace se ha abierto varias veces en la última hora. Vuelve a intentarlo dentro de una hora, o responde a nuestro correo y te ayudaremos.",
    noStripe: "No hemos podido abrir la página de pago segura desde este enlace en este momento. Responde a nuestro correo más reciente y te ayudaremos a actualizar tus datos de pago.",
    secureNote: "Continuarás en la página segura de Stripe. Nunca vemos el número de tu tarjeta.",
    updatedTitle: "Gracias, tu tarjeta está actualizada",
    updatedBody: (brand) => `Tus datos de pago para ${brand} se han guardado. Ya puedes cerrar esta página.`,
  },
};
